import { Edit, useRecordContext } from 'react-admin';
import type { ProductRecord } from '../types';
import { ProductForm } from './ProductForm';

const ProductTitle = () => <span>{useRecordContext<ProductRecord>()?.name}</span>;

export const ProductEdit = () => (
  <Edit mutationMode="pessimistic" title={<ProductTitle />} redirect="list">
    <ProductForm withStock />
  </Edit>
);
